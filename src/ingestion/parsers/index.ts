import { cleanText } from '../../common/unicode';
import { type SourceFormat } from '../../sources/source.entity';
import { type ParsedDocument, UnprocessableDocumentError } from '../document';
import { parseCode } from './code.parser';
import { parseCsv } from './csv.parser';
import { parseDocx } from './docx.parser';
import { parseHtml } from './html.parser';
import { parseJson } from './json.parser';
import { parseMarkdown } from './markdown.parser';
import { parsePdf } from './pdf.parser';
import { parseText } from './text.parser';

/** Parses a source's bytes by its (already verified) format. */
export async function parseDocument(
  format: SourceFormat,
  data: Buffer,
  language?: string | null,
): Promise<ParsedDocument> {
  const document = cleanDocument(await parse(format, data, language ?? undefined));
  if (document.blocks.length === 0) throw new UnprocessableDocumentError('the document contains no text');
  return document;
}

/**
 * Text that Postgres cannot store (NUL characters, unpaired surrogates) is cleaned, not failed:
 * binary debris in a text file or a PDF's text layer is common and carries no meaning. Blocks left
 * empty by the cleaning are dropped.
 */
function cleanDocument(document: ParsedDocument): ParsedDocument {
  const blocks = document.blocks
    .map((block) => ({
      ...block,
      text: cleanText(block.text),
      ...(block.headingPath ? { headingPath: block.headingPath.map(cleanText) } : {}),
    }))
    .filter((block) => block.text.trim() !== '');
  return {
    ...document,
    text: cleanText(document.text),
    blocks,
    ...(document.title !== undefined ? { title: cleanText(document.title) } : {}),
  };
}

function parse(format: SourceFormat, data: Buffer, language?: string): Promise<ParsedDocument> | ParsedDocument {
  switch (format) {
    case 'pdf':
      return parsePdf(data);
    case 'docx':
      return parseDocx(data);
    case 'html':
      return parseHtml(data.toString('utf8'));
    case 'markdown':
      return parseMarkdown(data.toString('utf8'));
    case 'csv':
      return parseCsv(data.toString('utf8'));
    case 'json':
      return parseJson(data.toString('utf8'));
    case 'code':
      return parseCode(data.toString('utf8'), language);
    case 'text':
      return parseText(data.toString('utf8'));
  }
}
