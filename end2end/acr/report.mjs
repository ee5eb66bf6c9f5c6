// Writes the accessibility conformance report (docs/src/accessibility-report.md) from the
// evidence of a Playwright run (`A11Y_EVIDENCE`, see tests/fixtures/evidence.ts) and the
// criteria in criteria.mjs. `make test` runs it after Playwright:
//
//   node end2end/acr/report.mjs <evidence dir> [--check]
//
// It fails when the evidence is short of what the report claims: a page or state not scanned
// in every locale with JavaScript on and off, a scan with violations, a criterion whose check
// did not run, a WCAG 2.2 A or AA criterion missing from criteria.mjs. With `--check` it also
// fails when the committed report differs from what this run gives (after writing the new
// one), so the published report is always the last run's.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CRITERIA } from './criteria.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const OUT = join(root, 'docs', 'src', 'accessibility-report.md');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Every WCAG 2.2 success criterion of levels A and AA (4.1.1 Parsing is obsolete in 2.2). */
export const WCAG22_A_AA = [
  '1.1.1', '1.2.1', '1.2.2', '1.2.3', '1.2.4', '1.2.5', '1.3.1', '1.3.2', '1.3.3', '1.3.4', '1.3.5',
  '1.4.1', '1.4.2', '1.4.3', '1.4.4', '1.4.5', '1.4.10', '1.4.11', '1.4.12', '1.4.13',
  '2.1.1', '2.1.2', '2.1.4', '2.2.1', '2.2.2', '2.3.1', '2.4.1', '2.4.2', '2.4.3', '2.4.4', '2.4.5',
  '2.4.6', '2.4.7', '2.4.11', '2.5.1', '2.5.2', '2.5.3', '2.5.4', '2.5.7', '2.5.8',
  '3.1.1', '3.1.2', '3.2.1', '3.2.2', '3.2.3', '3.2.4', '3.2.6', '3.3.1', '3.3.2', '3.3.3', '3.3.4',
  '3.3.7', '3.3.8', '4.1.2', '4.1.3',
];

/** axe-core's rules for the report's tags, by success criterion (from the rules' own tags). */
function axeRulesByCriterion() {
  const axe = createRequire(join(root, 'end2end', 'package.json'))('axe-core');
  const by = new Map();
  for (const rule of axe.getRules(TAGS)) {
    for (const tag of rule.tags) {
      const m = /^wcag(\d)(\d)(\d+)$/.exec(tag);
      if (!m) continue;
      const id = `${m[1]}.${m[2]}.${m[3]}`;
      by.set(id, [...(by.get(id) ?? []), rule.ruleId].sort());
    }
  }
  return { version: axe.version, by };
}

function readEvidence(dir) {
  if (!dir || !existsSync(dir)) throw new Error(`no evidence in ${dir}: run Playwright with A11Y_EVIDENCE set`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

function locales() {
  return readdirSync(join(root, 'app', 'locales')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

function version() {
  return /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The report's text for `evidence`; throws on evidence short of the report's claims. */
export function render(evidence) {
  const problems = [];
  const all = locales();
  const { version: axeVersion, by: rulesBy } = axeRulesByCriterion();

  // Criteria: every A and AA one, once.
  const ids = CRITERIA.map((c) => c.id);
  for (const id of WCAG22_A_AA) if (!ids.includes(id)) problems.push(`criteria.mjs lacks ${id}`);
  for (const id of ids) if (!WCAG22_A_AA.includes(id) || ids.indexOf(id) !== ids.lastIndexOf(id)) problems.push(`criteria.mjs: ${id} is unknown or twice`);

  // axe: each page and state, in every locale, JavaScript on and off (the light theme); the
  // dark theme's scans are extra.
  const scans = evidence.filter((e) => e.kind === 'axe');
  const states = new Map();
  for (const s of scans) {
    const entry = states.get(s.state) ?? { on: new Set(), off: new Set(), scans: 0, violations: 0, dark: s.scheme === 'dark' };
    (s.js ? entry.on : entry.off).add(s.lang);
    entry.scans += 1;
    entry.violations += s.violations;
    states.set(s.state, entry);
  }
  for (const [state, e] of states) {
    if (e.violations) problems.push(`${state}: ${e.violations} violations`);
    if (e.dark) continue;
    for (const [mode, langs] of [['on', e.on], ['off', e.off]]) {
      const missing = all.filter((l) => !langs.has(l));
      if (missing.length) problems.push(`${state} with JavaScript ${mode}: not scanned in ${missing.join(', ')}`);
    }
  }
  if (!states.size) problems.push('no axe scans in the evidence');
  const totalScans = scans.length;
  const totalViolations = scans.reduce((n, s) => n + s.violations, 0);

  // Checks and walks.
  const checks = evidence.filter((e) => e.kind === 'check');
  const walks = evidence.filter((e) => e.kind === 'walk');
  const checksOf = (criterion) => {
    const mine = checks.filter((c) => c.criterion === criterion);
    const names = [...new Set(mine.map((c) => c.name))].sort();
    return names.map((name) => {
      const runs = mine.filter((c) => c.name === name);
      const modes = [...new Set(runs.map((r) => (r.js ? 'on' : 'off')))].sort().reverse();
      const items = runs.reduce((n, r) => n + r.items, 0);
      return `${name} (JavaScript ${modes.join(' and ')}; ${items} checked)`;
    });
  };
  const walkNames = [...new Set(walks.map((w) => w.name))].sort();
  const walkStops = walks.reduce((n, w) => n + w.stops, 0);
  for (const c of CRITERIA) {
    for (const check of c.checks ?? []) {
      if (!checks.some((e) => e.criterion === check)) problems.push(`${c.id}: the check for ${check} did not run`);
    }
    if (c.walks && !walks.length) problems.push(`${c.id}: no keyboard walk ran`);
  }
  if (problems.length) throw new Error(`the evidence does not support the report:\n  ${problems.join('\n  ')}`);

  // The document.
  const lines = [];
  const out = (s = '') => lines.push(s);
  out('# Accessibility conformance report');
  out();
  out('<!-- Generated by end2end/acr/report.mjs from the evidence of `make test`; do not edit. The');
  out('     criteria\'s wording is in end2end/acr/criteria.mjs. -->');
  out();
  out(`**Product**: cognito-reset ${version()}, every page and state of the web app (server-rendered, with and without JavaScript).  `);
  out('**Standard**: WCAG 2.2, levels A and AA (the structure of the VPAT 2.5 / ACR template, WCAG edition).  ');
  out(`**Languages**: all ${all.length} locales: ${all.map((l) => `\`${l}\``).join(', ')}.  `);
  out(`**Evaluation**: automated and scripted, on every \`make test\` run: axe-core ${axeVersion} (tags ${TAGS.join(', ')}) in Chromium, keyboard-only walks, and a check of their own for each criterion axe cannot judge. Not evaluated by a person with a screen reader; see "Limits" below.`);
  out();
  out('## Summary');
  out();
  const count = (s) => CRITERIA.filter((c) => c.support === s).length;
  out(`| Conformance | Criteria |`);
  out(`|---|---|`);
  for (const s of ['Supports', 'Partially supports', 'Does not support', 'Not applicable']) out(`| ${s} | ${count(s)} |`);
  out();
  out(`In this run: **${totalScans} axe scans** of ${plural([...states.values()].filter((e) => !e.dark).length, 'page state', 'page states')} in ${all.length} locales with JavaScript on and off (plus the dark theme), **${totalViolations} violations**; ${plural(walkNames.length, 'keyboard-only walk', 'keyboard-only walks')} with and without JavaScript (${walkStops} Tab stops, each showing its focus); ${plural(new Set(checks.map((c) => c.criterion)).size, 'criterion', 'criteria')} with checks of their own.`);
  out();
  for (const [principle, title] of [['1', 'Perceivable'], ['2', 'Operable'], ['3', 'Understandable'], ['4', 'Robust']]) {
    out(`## ${principle}. ${title}`);
    out();
    out('| Criterion | Level | Conformance | How it is met | How it is tested |');
    out('|---|---|---|---|---|');
    for (const c of CRITERIA.filter((c) => c.id.startsWith(`${principle}.`))) {
      const tested = [];
      const rules = rulesBy.get(c.id) ?? [];
      if (rules.length && c.support !== 'Not applicable') tested.push(`axe: ${rules.map((r) => `\`${r}\``).join(', ')}, in every scan (0 violations)`);
      for (const check of c.checks ?? []) for (const line of checksOf(check)) tested.push(`check: ${line}`);
      if (c.walks) tested.push(`keyboard walks: ${walkNames.join('; ')}`);
      for (const t of c.tests ?? []) tested.push(t);
      if (!tested.length) tested.push(c.support === 'Not applicable' ? '—' : 'by design (reviewed with each change)');
      out(`| ${c.id} ${cell(c.name)} | ${c.level} | ${c.support} | ${cell(c.met)} | ${cell(tested.join('; '))} |`);
    }
    out();
  }
  out('## Evidence: the axe scans');
  out();
  out('Each page and state is reached once, then shown in every locale through the app\'s own language switcher (a kept error or notice is brought back by its own step). With JavaScript the live document is scanned once the islands woke; without, the HTML as served.');
  out();
  out('| Page and state | JavaScript on | JavaScript off | Violations |');
  out('|---|---|---|---|');
  for (const [state, e] of [...states].sort(([a], [b]) => a.localeCompare(b))) {
    const langs = (set) => (set.size === 0 ? '—' : set.size === all.length ? `all ${all.length} locales` : [...set].sort().join(', '));
    out(`| ${cell(state)} | ${langs(e.on)} | ${langs(e.off)} | ${e.violations} |`);
  }
  out();
  out('## Limits');
  out();
  out('- Automated tools find some barriers, not all: the report has not yet been checked by people using screen readers (NVDA, JAWS, VoiceOver, TalkBack) or voice control. Findings from such use are welcome as issues (SECURITY.md does not apply; use the tracker).');
  out('- Translations other than English have not been reviewed by native speakers (app/locales/REVIEW.md).');
  out('- Pages of the operator\'s own (the app they lead back to, their support page) and Cognito\'s own emails (when no email trigger is attached) are outside this report.');
  out();
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  const text = render(readEvidence(dir));
  const before = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  writeFileSync(OUT, text);
  if (process.argv.includes('--check') && before !== text) {
    console.error('docs/src/accessibility-report.md changed with this run\'s evidence (written now): commit it.');
    process.exit(1);
  }
  console.log(`accessibility report: ${CRITERIA.length} criteria, written to docs/src/accessibility-report.md`);
}
