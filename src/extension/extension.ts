import type * as vscode from 'vscode';
import { ActionTreeContext } from './context';
import { features } from './features';

let current: ActionTreeContext | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const ctx = new ActionTreeContext(context);
  current = ctx;
  for (const register of features) {
    await register(ctx);
  }
}

export async function deactivate(): Promise<void> {
  const ctx = current;
  current = undefined;
  await ctx?.disposeAsync();
}
