import mammoth from 'mammoth';
import { type ParsedDocument, UnprocessableDocumentError } from '../document';
import { parseHtml } from './html.parser';

/** DOCX via mammoth (to semantic HTML, so headings survive), then the HTML parser. */
export async function parseDocx(data: Buffer): Promise<ParsedDocument> {
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: data })).value;
  } catch (error) {
    throw new UnprocessableDocumentError(`the DOCX could not be read (${(error as Error).message})`);
  }
  return parseHtml(html);
}
