/** A unit of parsed content with where it came from; the chunker packs blocks into chunks. */
export interface Block {
  text: string;
  /** Enclosing headings, outermost first. */
  headingPath?: string[];
  page?: number;
  lineStart?: number;
  lineEnd?: number;
  rowStart?: number;
  rowEnd?: number;
  /** A heading line itself: a chunk's position names the section of its content, not of a heading. */
  heading?: boolean;
  /** Split long blocks by lines (code, tables) rather than by sentences (prose). */
  split?: 'sentences' | 'lines';
}

export interface ParsedDocument {
  /** The whole extracted text, for GET /sources/:id/content. */
  text: string;
  blocks: Block[];
  title?: string;
  pageCount?: number;
}

/** The input cannot be ingested as it is (corrupt, empty, no text): retrying will not help. */
export class UnprocessableDocumentError extends Error {
  override name = 'UnprocessableDocumentError';
}
