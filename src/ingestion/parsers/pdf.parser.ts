import { extractText, getDocumentProxy } from 'unpdf';
import { type Block, type ParsedDocument, UnprocessableDocumentError } from '../document';

/** PDF via pdf.js (unpdf): text per page, chunks keep their page numbers. No OCR. */
export async function parsePdf(data: Buffer): Promise<ParsedDocument> {
  let pages: string[];
  try {
    // verbosity 0: pdf.js reports repairs of damaged files through console.warn otherwise.
    const pdf = await getDocumentProxy(new Uint8Array(data), { verbosity: 0 });
    pages = (await extractText(pdf, { mergePages: false })).text;
  } catch (error) {
    throw new UnprocessableDocumentError(`the PDF could not be read (${(error as Error).message})`);
  }
  const blocks: Block[] = [];
  pages.forEach((raw, i) => {
    for (const paragraph of raw.split(/\n\s*\n/)) {
      // pdf.js breaks lines where the page layout did; rejoin them into running text.
      const text = paragraph
        .replace(/-\n(?=\p{Ll})/gu, '')
        .replace(/\s*\n\s*/g, ' ')
        .trim();
      if (text) blocks.push({ text, page: i + 1 });
    }
  });
  if (blocks.length === 0) {
    throw new UnprocessableDocumentError(
      'the PDF has no extractable text (it is probably scanned images); OCR is not supported yet',
    );
  }
  return { text: pages.map((p) => p.trim()).join('\n\n'), blocks, pageCount: pages.length };
}
