import { extname } from 'node:path';
import { HttpStatus } from '@nestjs/common';
import { fileTypeFromBuffer } from 'file-type';
import { DetailedHttpException } from '../http/detailed-http.exception';
import { type SourceFormat } from './source.entity';

const CODE_LANGUAGES: Record<string, string> = {
  '.ts': 'typescript',
  '.tsx': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.py': 'python',
  '.go': 'go',
  '.java': 'java',
  '.kt': 'kotlin',
  '.scala': 'scala',
  '.rs': 'rust',
  '.c': 'c',
  '.h': 'c',
  '.cpp': 'cpp',
  '.cc': 'cpp',
  '.cxx': 'cpp',
  '.hpp': 'cpp',
  '.cs': 'csharp',
  '.rb': 'ruby',
  '.php': 'php',
  '.swift': 'swift',
  '.sql': 'sql',
  '.sh': 'shell',
  '.bash': 'shell',
  '.zsh': 'shell',
  '.ps1': 'powershell',
  '.lua': 'lua',
  '.r': 'r',
  '.pl': 'perl',
  '.ex': 'elixir',
  '.exs': 'elixir',
  '.erl': 'erlang',
  '.hs': 'haskell',
  '.clj': 'clojure',
  '.dart': 'dart',
  '.vue': 'vue',
  '.svelte': 'svelte',
  '.css': 'css',
  '.scss': 'scss',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
  '.xml': 'xml',
  '.proto': 'protobuf',
  '.graphql': 'graphql',
  '.tf': 'terraform',
};

const TEXT_FORMATS: Record<string, SourceFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.log': 'text',
  '.rst': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.csv': 'csv',
  '.json': 'json',
};

const MIME: Record<SourceFormat, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  code: 'text/plain',
};

export const SUPPORTED_TYPES = `PDF (.pdf), Word (.docx), HTML and XHTML (.html, .htm, .xhtml), Markdown (.md), plain text (.txt), CSV (.csv), JSON (.json), XML (.xml) and source code (${Object.keys(CODE_LANGUAGES).join(', ')})`;

/** Types file-type reports for content that is text: decided by extension and content like any text. */
const TEXT_SNIFFED = new Set(['application/xml', 'text/xml', 'application/xhtml+xml']);

export interface DetectedType {
  format: SourceFormat;
  mimeType: string;
  language?: string;
}

/** How many leading bytes detection needs (file-type's own requirement). */
export const SNIFF_BYTES = 4100;

/**
 * Decides a file's format from its content (magic bytes) together with its extension: a PDF must
 * start like a PDF, a .docx must be a Word document, and every text format must actually be text
 * (valid UTF-8, no NUL bytes). A mismatch, or a type Folio does not read, is a 415 that lists
 * what is supported.
 */
export async function detectType(filename: string, head: Buffer): Promise<DetectedType> {
  const ext = extname(filename).toLowerCase();
  const sniffed = await fileTypeFromBuffer(head);
  if (ext === '.pdf' || (!ext && sniffed?.mime === 'application/pdf')) {
    if (sniffed?.mime !== 'application/pdf') throw unsupported(`"${filename}" is named .pdf but is not a PDF`);
    return { format: 'pdf', mimeType: MIME.pdf };
  }
  if (ext === '.docx' || (!ext && sniffed?.ext === 'docx')) {
    if (sniffed?.ext !== 'docx') throw unsupported(`"${filename}" is named .docx but is not a Word document`);
    return { format: 'docx', mimeType: MIME.docx };
  }
  if (sniffed && !TEXT_SNIFFED.has(sniffed.mime)) {
    throw unsupported(`"${filename}" is ${sniffed.mime}, which Folio cannot read`);
  }
  if (!looksLikeText(head)) throw unsupported(`"${filename}" is not text`);
  // XHTML (an XML declaration, then an <html> root) is HTML whatever it is named, .xml included.
  if ((ext === '.xml' || ext === '' || TEXT_FORMATS[ext] === 'html') && looksLikeHtml(head)) {
    return { format: 'html', mimeType: MIME.html };
  }
  const language = CODE_LANGUAGES[ext];
  if (language) return { format: 'code', mimeType: MIME.code, language };
  const format = ext ? TEXT_FORMATS[ext] : 'text';
  if (!format) throw unsupported(`"${filename}" has an extension Folio does not read (${ext})`);
  return { format, mimeType: MIME[format] };
}

/**
 * Valid UTF-8 without NUL bytes. A sample of SNIFF_BYTES may end inside a multi-byte character:
 * the decoder is then told more would follow (`stream`), so an incomplete last character is not
 * an error; a shorter sample is the whole file and must be complete.
 */
function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: head.length >= SNIFF_BYTES });
    return true;
  } catch {
    return false;
  }
}

/** An (X)HTML document: after a byte-order mark, an XML declaration, comments and a doctype, an <html> element. */
function looksLikeHtml(head: Buffer): boolean {
  const start = head.toString('utf8', 0, Math.min(head.length, 2048)).replace(/^\uFEFF/, '');
  return /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!DOCTYPE\s+html[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<html[\s>]/i.test(
    start,
  );
}

/** A file Folio does not read: 415, listing what is supported; `reason` says what this file is. */
export class UnsupportedFileError extends DetailedHttpException {
  constructor(readonly reason: string) {
    super(HttpStatus.UNSUPPORTED_MEDIA_TYPE, `${reason}. Supported: ${SUPPORTED_TYPES}`, []);
  }
}

function unsupported(reason: string): UnsupportedFileError {
  return new UnsupportedFileError(reason);
}

/** A filename fit for display: no directories, no control characters, bounded length. */
export function sanitizeFilename(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const clean = base
    // Control characters and bidirectional overrides (which can disguise an extension).
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  return (clean || 'untitled').slice(0, 200);
}
