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
  const document = await parse(format, data, language ?? undefined);
  if (document.blocks.length === 0) throw new UnprocessableDocumentError('the document contains no text');
  return document;
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
