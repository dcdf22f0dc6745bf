import * as vscode from 'vscode';

/**
 * Owns everything disposable the extension creates (client, channels, views, listeners).
 * One instance per activation; disposed on deactivate.
 */
export class ActionTreeContext implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly asyncDisposers: (() => Promise<void>)[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {}

  /** Registers a disposable; returns it for convenience. */
  own<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  /** Registers an async clean-up (stop a client, cancel runs) awaited on deactivate. */
  onDispose(fn: () => Promise<void>): void {
    this.asyncDisposers.push(fn);
  }

  async disposeAsync(): Promise<void> {
    const fns = this.asyncDisposers.splice(0).reverse();
    for (const fn of fns) {
      try {
        await fn();
      } catch (e) {
        console.error('[actiontree] dispose failed', e);
      }
    }
    this.dispose();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch (e) {
        console.error('[actiontree] dispose failed', e);
      }
    }
  }
}
