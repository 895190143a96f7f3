// The hot spots report as text: the CLI's table and the Markdown a developer pastes into a
// pull request (the CLI's --markdown and the editor's report command). Pure.
import * as path from 'node:path';
import { formatPercent, formatValue } from '../pprof/units';
import type { HotspotReport, HotspotRow } from './report';

function relative(file: string, dir: string): string {
  const rel = path.relative(dir, file);
  return path.isAbsolute(file) && !rel.startsWith('..') ? rel : file;
}

function objectsText(row: HotspotRow): string {
  return row.objects === undefined ? '' : formatValue(row.objects, 'count');
}

export function reasons(row: HotspotRow): string[] {
  const out = row.findings.map((f) => `${f.message} — ${f.why}`);
  if (row.note) out.push(row.note);
  return out;
}

export function textReport(report: HotspotReport, profile: string, dir: string): string {
  const lines = [`${profile}: ${report.sampleType}, total ${formatValue(report.total, report.unit)}; ${report.rows.length} allocating ${report.rows.length === 1 ? 'line' : 'lines'}`];
  if (report.rows.length === 0) lines.push('(no allocating line matches: try --all, or another --sample-index)');
  const table = report.rows.map((r) => [formatValue(r.flat, report.unit), formatPercent(r.flat, report.total), objectsText(r), `${relative(r.file, dir)}:${r.line}`, r.function]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...table.map((t) => t[c]!.length), 0));
  report.rows.forEach((r, i) => {
    const t = table[i]!;
    lines.push(`${t[0]!.padStart(widths[0]!)}  ${t[1]!.padStart(widths[1]!)}  ${t[2]!.padStart(widths[2]!)}  ${t[3]!.padEnd(widths[3]!)}  ${t[4]}`);
    for (const reason of reasons(r)) lines.push(`${' '.repeat(widths[0]! + widths[1]! + widths[2]! + 6)}${reason}`);
  });
  return lines.join('\n') + '\n';
}

/** Markdown table cell text: pipes and line breaks would end the cell; backticks stay literal in a code span. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/([*_[\]<>#])/g, '\\$1');
}

export function markdownReport(report: HotspotReport, profile: string, dir: string): string {
  const lines = [
    `**Allocation hot spots** in \`${profile.replace(/`/g, "'")}\` (${cell(report.sampleType)}, total ${formatValue(report.total, report.unit)})`,
    '',
    '| # | Line | Function | Allocated | Share | Objects | Why |',
    '| ---: | --- | --- | ---: | ---: | ---: | --- |',
  ];
  report.rows.forEach((r, i) => {
    const why = reasons(r).map(cell).join('<br>');
    lines.push(`| ${i + 1} | ${cell(`${relative(r.file, dir)}:${r.line}`)} | ${cell(r.function)} | ${formatValue(r.flat, report.unit)} | ${formatPercent(r.flat, report.total)} | ${objectsText(r)} | ${why} |`);
  });
  lines.push('', '_Figures: `go tool pprof -lines -hide=\'^runtime\\.\'`; reasons: the Go compiler\'s escape analysis (`-gcflags=-m=2`)._');
  return lines.join('\n') + '\n';
}

