// The corpora of bench:quality (and bench/embedder-variants.ts): real manuals with human-made
// relevance judgements (their indexes), fetched from Debian's documentation packages.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChildNode, type Element, isTag, isText } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { debianDoc, htmlPages, pageTitle, pythonDocsRoot } from './python-docs';

export interface Judgement {
  query: string;
  relevant: Set<string>;
}

export interface Hit {
  sourceTitle: string;
  position: { headingPath?: string[] } | null;
}

/** A corpus: its files, its judgements, what a retrieved passage counts as, and its baseline documents. */
export interface Corpus {
  name: string;
  /** The files to upload: [path, the name to upload it under]. */
  files: [path: string, name: string][];
  judgements: Judgement[];
  /** The judged unit a hit belongs to. */
  unitOf(hit: Hit): string;
  /** SQL building `bench_units (unit text, tsv tsvector)` from the notebook's sources ($1). */
  unitsSql: string;
}

function textOf(nodes: readonly ChildNode[]): string {
  return nodes.map((n) => (isText(n) ? n.data : isTag(n) && n.name !== 'ul' ? textOf(n.children) : '')).join('');
}

// --- The Python manual: pages, judged by the general index -------------------------------------

/** Pages that are indexes or navigation, not content: not part of the searched corpus. */
const NOT_CONTENT = /(^|\/)(genindex[^/]*|py-modindex|search|contents)\.html$/;

function pythonCorpus(): Corpus {
  const root = pythonDocsRoot();
  const pages = htmlPages(root).filter((p) => !NOT_CONTENT.test(p.slice(root.length + 1)));
  const titles = new Set(pages.map((p) => pageTitle(root, p)));
  const judgements: Judgement[] = [];
  for (const page of htmlPages(root).filter((p) => /genindex-[A-Z_]+\.html$/.test(p))) {
    const doc = parseDocument(readFileSync(page, 'utf8'));
    const entry = (li: Element): void => {
      const term = textOf(li.children)
        .replace(/\([^)]*\)/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      const relevant = new Set<string>();
      const links = (n: ChildNode): void => {
        if (!isTag(n)) return;
        if (n.name === 'a' && n.attribs.href && !n.attribs.href.startsWith('http')) {
          relevant.add(pageTitle(root, join(root, n.attribs.href.split('#')[0])));
        }
        n.children.forEach(links);
      };
      li.children.forEach(links);
      if (term.length >= 3 && relevant.size >= 1 && relevant.size <= 5 && [...relevant].every((r) => titles.has(r))) {
        judgements.push({ query: term, relevant });
      }
    };
    const visit = (node: ChildNode, inTable: boolean): void => {
      if (!isTag(node)) return;
      const table = inTable || (node.name === 'table' && (node.attribs.class ?? '').split(' ').includes('indextable'));
      // Top-level entries: <td> → <ul> → <li>.
      if (table && node.name === 'td') {
        for (const ul of node.children.filter((c): c is Element => isTag(c) && c.name === 'ul')) {
          for (const li of ul.children.filter((c): c is Element => isTag(c) && c.name === 'li')) entry(li);
        }
        return;
      }
      node.children.forEach((c) => visit(c, table));
    };
    doc.children.forEach((c) => visit(c, false));
  }
  return {
    name: 'Python 3.11 manual (Sphinx), pages',
    files: pages.map((p) => [p, pageTitle(root, p)]),
    judgements,
    unitOf: (hit) => hit.sourceTitle,
    unitsSql: `create table bench_units as select s.title as unit, to_tsvector('english', t.text) as tsv
               from sources s join source_texts t on t.source_id = s.id where s.notebook_id = $1 and s.status = 'ready'`,
  };
}

// --- The R manuals: sections, judged by the concept and function indexes ------------------------

/** A section title as a unit name: no numbering ("5.2", "A.1"), no markup, lower case. */
const sectionKey = (title: string): string =>
  title
    .replace(/¶/g, '')
    .replace(/^\s*(?:(?:[A-Z]|\d+)(?:\.\d+)*\.?)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

function rCorpus(): Corpus {
  const root = debianDoc('r-doc-html');
  const dir = join(root, 'usr/share/R/doc/manual');
  const manuals = readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort();
  const byTerm = new Map<string, Set<string>>();
  for (const manual of manuals) {
    const doc = parseDocument(readFileSync(join(dir, manual), 'utf8'));
    // Index rows: <td><a href="#index-…">term</a>:</td><td/><td><a href="#node">section title</a></td>.
    const visit = (node: ChildNode): void => {
      if (!isTag(node)) return;
      if (node.name === 'tr') {
        const anchors: Element[] = [];
        const collect = (n: ChildNode): void => {
          if (!isTag(n)) return;
          if (n.name === 'a' && n.attribs.href?.startsWith('#')) anchors.push(n);
          n.children.forEach(collect);
        };
        node.children.forEach(collect);
        if (anchors.length === 2 && anchors[0].attribs.href.startsWith('#index-')) {
          const term = textOf(anchors[0].children).replace(/\s+/g, ' ').trim();
          const section = sectionKey(textOf(anchors[1].children));
          if (term.length >= 3 && section) {
            const key = `${manual}\u0000${term}`;
            byTerm.set(key, (byTerm.get(key) ?? new Set()).add(`${manual}#${section}`));
          }
        }
        return;
      }
      node.children.forEach(visit);
    };
    doc.children.forEach(visit);
  }
  const judgements = [...byTerm.entries()]
    .map(([key, relevant]) => ({ query: key.split('\u0000')[1], relevant }))
    .filter((j) => j.relevant.size <= 5);
  return {
    name: 'R manuals (Texinfo), sections',
    files: manuals.map((m) => [join(dir, m), m]),
    judgements,
    unitOf: (hit) => `${hit.sourceTitle}#${sectionKey(hit.position?.headingPath?.at(-1) ?? '')}`,
    // Sections as documents: the chunks of each (source, last heading), text joined.
    unitsSql: `create table bench_units as select unit, to_tsvector('english', string_agg(text, ' ' order by ordinal)) as tsv
               from (select s.title || '#' || lower(regexp_replace(regexp_replace(coalesce(c.position->'headingPath'->>-1, ''),
                       '^\\s*(?:(?:[A-Z]|\\d+)(?:\\.\\d+)*\\.?)\\s+', ''), '\\s+', ' ', 'g')) as unit, c.text, c.ordinal
                     from chunks c join sources s on s.id = c.source_id where s.notebook_id = $1) x
               group by unit`,
  };
}

// --- The PostgreSQL manual: pages, judged by its index (an independent check, not in the default run) ---

function postgresCorpus(): Corpus {
  const root = debianDoc('postgresql-doc-15');
  const dir = join(root, 'usr/share/doc/postgresql-doc-15/html');
  const pages = readdirSync(dir)
    .filter((f) => f.endsWith('.html') && f !== 'bookindex.html')
    .sort();
  const known = new Set(pages);
  const judgements: Judgement[] = [];
  const doc = parseDocument(readFileSync(join(dir, 'bookindex.html'), 'utf8'));
  // Top-level entries: <dt id="ientry-…">term, <a class="indexterm" href="page.html#…">…</a>, …</dt>.
  const visit = (node: ChildNode): void => {
    if (!isTag(node)) return;
    if (node.name === 'dt' && node.attribs.id?.startsWith('ientry-')) {
      const term = textOf(node.children.filter((c) => !(isTag(c) && c.name === 'a')))
        .split(',')[0]
        .replace(/\s+/g, ' ')
        .trim();
      const relevant = new Set<string>();
      for (const a of node.children) {
        if (isTag(a) && a.name === 'a' && a.attribs.href) relevant.add(a.attribs.href.split('#')[0]);
      }
      if (term.length >= 3 && relevant.size >= 1 && relevant.size <= 5 && [...relevant].every((r) => known.has(r))) {
        judgements.push({ query: term, relevant });
      }
      return;
    }
    node.children.forEach(visit);
  };
  doc.children.forEach(visit);
  return {
    name: 'PostgreSQL 15 manual (DocBook), pages',
    files: pages.map((p) => [join(dir, p), p]),
    judgements,
    unitOf: (hit) => hit.sourceTitle,
    unitsSql: `create table bench_units as select s.title as unit, to_tsvector('english', t.text) as tsv
               from sources s join source_texts t on t.source_id = s.id where s.notebook_id = $1 and s.status = 'ready'`,
  };
}

export function corpusByName(name: string): Corpus {
  if (name === 'python') return pythonCorpus();
  if (name === 'r') return rCorpus();
  if (name === 'postgres') return postgresCorpus();
  throw new Error(`unknown corpus ${name} (python, r, postgres)`);
}

/** A deterministic, evenly spread sample of a corpus's judgements. */
export function sampleOf(corpus: Corpus, sample: number): Judgement[] {
  const step = Math.max(1, Math.floor(corpus.judgements.length / sample));
  return corpus.judgements.filter((_, i) => i % step === 0).slice(0, sample);
}

// --- Scoring --------------------------------------------------------------------------------

export interface Scores {
  recall5: number;
  mrr10: number;
}

/** recall@5 and MRR@10 of a ranking of units (repeats count once, at their first place). */
export function score(ranked: readonly string[], relevant: ReadonlySet<string>): Scores {
  const units = [...new Set(ranked)];
  const hits5 = units.slice(0, 5).filter((u) => relevant.has(u)).length;
  const first = units.slice(0, 10).findIndex((u) => relevant.has(u));
  return { recall5: hits5 / relevant.size, mrr10: first < 0 ? 0 : 1 / (first + 1) };
}
