import { type ChildNode, isTag, isText } from 'domhandler';
import { decodeHTML } from 'entities';
import { parseDocument } from 'htmlparser2';
import { type Block, type ParsedDocument } from '../document';
import { parseText } from './text.parser';

/**
 * Deepest element nesting parsed as HTML. htmlparser2 keeps its stack of open elements with
 * `unshift`/`shift`, which makes each level cost time proportional to the depth: 100,000 nested
 * <div> took 10 s (and overflowed the stack of any recursive walk). No real page comes near this;
 * deeper documents are read as text with their tags removed.
 */
const MAX_HTML_DEPTH = 1000;
/** Elements whose end tag may be left out (or that have none): they do not count as nesting. */
const UNCLOSED = new Set(
  'area base br col embed hr img input link meta source track wbr p li dt dd tr td th option optgroup thead tbody tfoot colgroup caption rp rt html head body'.split(
    ' ',
  ),
);

const SKIP = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'canvas',
  'iframe',
  'object',
  'head',
  'nav',
  'button',
  'select',
  'form',
]);
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'aside',
  'header',
  'footer',
  'blockquote',
  'li',
  'dt',
  'dd',
  'tr',
  'table',
  'ul',
  'ol',
  'dl',
  'figure',
  'figcaption',
  'caption',
  'br',
  'hr',
  'pre',
  'address',
  'details',
  'summary',
]);
const HEADING = /^h([1-6])$/;

/**
 * HTML (and DOCX, converted to HTML) via htmlparser2: visible text in reading order, grouped
 * under its headings; scripts, styles and navigation are dropped; <pre> keeps its lines.
 */
export function parseHtml(input: string): ParsedDocument {
  if (nestingDepth(input) > MAX_HTML_DEPTH) return parseText(textWithoutTags(input));
  const document = parseDocument(input, { decodeEntities: true });
  const blocks: Block[] = [];
  const path: { level: number; text: string }[] = [];
  let buffer = '';
  let title: string | undefined;

  const flush = (split: Block['split'] = 'sentences'): void => {
    const text = split === 'lines' ? buffer.replace(/^\n+|\s+$/g, '') : buffer.replace(/\s+/g, ' ').trim();
    if (text) blocks.push({ text, headingPath: path.map((p) => p.text), split });
    buffer = '';
  };

  const walk = (nodes: ChildNode[]): void => {
    for (const node of nodes) {
      if (isText(node)) {
        buffer += node.data;
        continue;
      }
      if (!isTag(node)) continue;
      const element = node;
      const name = element.name.toLowerCase();
      if (name === 'title' && !title) {
        title = textOf(element).trim() || undefined;
        continue;
      }
      if (SKIP.has(name) || isChrome(element)) continue;
      const heading = HEADING.exec(name);
      if (heading) {
        flush();
        const level = Number(heading[1]);
        const text = textOf(element).replace(/\s+/g, ' ').replace(/¶$/, '').trim();
        if (text) {
          while (path.length > 0 && path[path.length - 1].level >= level) path.pop();
          path.push({ level, text });
          blocks.push({ text, headingPath: path.map((p) => p.text), heading: true });
        }
        continue;
      }
      if (name === 'tr') {
        // A table row is one line of its cells, whatever blocks the cells contain.
        flush();
        const cells = element.children
          .filter((c) => isTag(c) && (c.name === 'td' || c.name === 'th'))
          .map((c) => textOf(c).replace(/\s+/g, ' ').trim());
        buffer = cells.join(' | ');
        flush('lines');
        continue;
      }
      if (name === 'pre') {
        flush();
        buffer = textOf(element);
        flush('lines');
        continue;
      }
      const isBlock = BLOCK.has(name) || name === 'td' || name === 'th';
      if (isBlock && name !== 'td' && name !== 'th') flush();
      walk(element.children);
      if (name === 'td' || name === 'th') buffer += ' | ';
      else if (isBlock) flush();
      else buffer += '';
    }
  };
  walk(document.children);
  flush();
  return {
    text: blocks.map((b) => b.text).join('\n\n'),
    blocks,
    title: title ?? blocks.find((b) => b.headingPath?.length)?.headingPath?.[0],
  };
}

/** Page furniture rather than content: navigation, banners, footers, hidden elements. */
function isChrome(element: { attribs: Record<string, string> }): boolean {
  const role = element.attribs.role;
  return (
    role === 'navigation' || role === 'banner' || role === 'contentinfo' || element.attribs['aria-hidden'] === 'true'
  );
}

function textOf(node: ChildNode): string {
  if (isText(node)) return node.data;
  if (isTag(node)) return node.children.map(textOf).join('');
  return '';
}

/** How deep elements nest, from the tags alone (linear, no parsing). */
function nestingDepth(input: string): number {
  let depth = 0;
  let max = 0;
  for (const match of input.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (UNCLOSED.has(match[2].toLowerCase()) || match[3] === '/') continue;
    depth = match[1] === '/' ? Math.max(0, depth - 1) : depth + 1;
    if (depth > max) max = depth;
  }
  return max;
}

function textWithoutTags(input: string): string {
  const text = input
    .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(?:p|div|br|li|tr|h[1-6]|section|article|blockquote|pre)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, ' ');
  return decodeHTML(text);
}
