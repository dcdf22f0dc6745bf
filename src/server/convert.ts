import {
  DiagnosticSeverity,
  DiagnosticTag,
  type Diagnostic as LspDiagnostic,
  type Range,
} from 'vscode-languageserver/node';
import type { Diagnostic, Severity } from '../core/diagnostics';
import type { LineIndex, Span } from '../core/text';

export const SOURCE = 'actiontree';

function severity(s: Severity): DiagnosticSeverity {
  switch (s) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'information':
      return DiagnosticSeverity.Information;
    case 'hint':
      return DiagnosticSeverity.Hint;
    default: {
      const never: never = s;
      return never;
    }
  }
}

export function toRange(li: LineIndex, s: Span): Range {
  const r = li.rangeOf(s);
  return { start: { ...r.start }, end: { ...r.end } };
}

/** The span of a string token without its quotes (the id itself). */
export function innerSpan(s: Span): Span {
  return s.length >= 2 ? { offset: s.offset + 1, length: s.length - 2 } : s;
}

/** Core diagnostic -> LSP diagnostic: `code` is the stable code, cycles carry related locations. */
export function toLspDiagnostic(uri: string, li: LineIndex, d: Diagnostic): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toRange(li, d.span),
    severity: severity(d.severity),
    code: d.code,
    source: SOURCE,
    message: d.message,
  };
  if (d.related.length > 0) {
    out.relatedInformation = d.related.map((r) => ({
      location: { uri, range: toRange(li, r.span) },
      message: r.message,
    }));
  }
  if (d.code === 'unused-resource') out.tags = [DiagnosticTag.Unnecessary];
  if (d.data !== undefined) out.data = { ...d.data };
  return out;
}
