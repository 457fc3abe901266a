const WORD = /[\p{L}\p{N}_]+/gu;

/** Words that carry no topic: ignored when matching questions to sentences. */
export const STOPWORDS = new Set(
  (
    'a an the and or but of to in on at by for with from as is are was were be been being it its this that these those ' +
    'not no do does did doing has have had having will would can could should may might must shall than then there their ' +
    'they them he she we you your our i me my what which who whom whose when where why how all any each some such into ' +
    'about over also just only so if else up out more most other very too own same both few again further once here ' +
    'let lets use using used tell explain describe please'
  ).split(' '),
);

/** Lower-cased content words with a light plural/verb suffix folding, for overlap scoring. */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(WORD)) {
    const word = match[0];
    if (word.length < 2 || STOPWORDS.has(word)) continue;
    out.push(fold(word));
  }
  return out;
}

function fold(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 3 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('es')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Sentences (or lines, for lists, code and tables) of a passage, trimmed, without empty ones. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\d"'([])|\n+/u)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length >= 12);
}

/**
 * The readable sentences of a passage: Markdown and HTML markup removed (heading markers, list
 * and quote markers, emphasis, inline code, links, tags, table pipes), headings themselves left
 * out — a heading is a title, not an answer.
 */
export function plainSentences(text: string): string[] {
  const lines = text.split('\n').filter((line) => !/^\s{0,3}#{1,6}\s/.test(line) && !/^\s*\|?\s*:?-{3,}/.test(line));
  return sentences(lines.map(plainLine).join('\n'));
}

function plainLine(line: string): string {
  return line
    .replace(/<[^>]+>/g, ' ')
    .replace(/^\s*(?:>\s*)+/, '')
    .replace(/^\s*(?:[-*+]|\d{1,3}[.)])\s+/, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`+([^`]*)`+/g, '$1')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/(^|[\s(])[*_](?=\S)(.+?)(?<=\S)[*_](?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/^\s*\|(.*)\|\s*$/, (_m, cells: string) =>
      cells
        .split('|')
        .map((c) => c.trim())
        .filter(Boolean)
        .join(', '),
    )
    .trim();
}

/** A sentence reduced to what makes it the same sentence: lower case, letters and digits. */
export const sameSentenceKey = (sentence: string): string =>
  sentence
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
