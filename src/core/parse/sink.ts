/** The diagnostics sink of the parser and the messages of jsonc-parser's syntax errors. */
import { printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Diagnostic, DiagnosticCode, RelatedInfo, Severity } from '../diagnostics';
import type { Span } from '../text';

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'Invalid symbol',
  InvalidNumberFormat: 'Invalid number format',
  PropertyNameExpected: 'Expected a property name',
  ValueExpected: 'Expected a value',
  ColonExpected: 'Expected a colon',
  CommaExpected: 'Expected comma',
  CloseBraceExpected: "Expected '}'",
  CloseBracketExpected: "Expected ']'",
  EndOfFileExpected: 'Expected end of file',
  InvalidCommentToken: 'Invalid comment token',
  UnexpectedEndOfComment: 'Unexpected end of comment',
  UnexpectedEndOfString: 'Unexpected end of string',
  UnexpectedEndOfNumber: 'Unexpected end of number',
  InvalidUnicode: 'Invalid unicode escape sequence',
  InvalidEscapeCharacter: 'Invalid escape character',
  InvalidCharacter: 'Invalid character in string',
};

export function syntaxMessage(e: ParseError): string {
  const name = printParseErrorCode(e.error);
  const text = SYNTAX_MESSAGES[name] ?? 'Syntax error';
  return `${text} (${name})`;
}

export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  add(
    code: DiagnosticCode,
    severity: Severity,
    message: string,
    span: Span,
    related: readonly RelatedInfo[] = [],
    data?: Record<string, string>,
  ): void {
    const d: Diagnostic = data ? { code, severity, message, span, related, data } : { code, severity, message, span, related };
    this.list.push(d);
  }
  error(message: string, span: Span, data?: Record<string, string>): void {
    this.add('schema', 'error', message, span, [], data);
  }
  warning(message: string, span: Span, data?: Record<string, string>): void {
    this.add('schema', 'warning', message, span, [], data);
  }
}

/** A user-given string in a message: quoted, clipped to 60 characters. */
export function q(s: string): string {
  const clipped = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return `'${clipped}'`;
}
