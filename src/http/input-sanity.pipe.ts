import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { inspectInput } from './input-sanity';
import { RequestValidationException } from './validation';

const DOCUMENT_TEXT = 'folio:document-text';

/**
 * Marks a DTO string property as document content (pasted text): NUL characters and unpaired
 * surrogates in it are cleaned like the text extracted from an uploaded file, not refused.
 */
export function DocumentText(): PropertyDecorator {
  return (target, property) => {
    const owner = target.constructor;
    const fields = (Reflect.getMetadata(DOCUMENT_TEXT, owner) as string[] | undefined) ?? [];
    Reflect.defineMetadata(DOCUMENT_TEXT, [...fields, String(property)], owner);
  };
}

const PLAIN_TYPES: readonly unknown[] = [String, Number, Boolean, Array, Object];

/**
 * The first global pipe, before validation: every body, query and path parameter of every route
 * passes here. Strings Postgres cannot store (NUL, unpaired surrogates) are refused with the
 * field that holds them, whatever the DTO says; a DTO body is a JSON object, and a missing one
 * is an empty object (so an empty PATCH is a no-op and a POST names its missing fields).
 */
@Injectable()
export class InputSanityPipe implements PipeTransform {
  private readonly cleanFields = new WeakMap<object, ReadonlySet<string>>();

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value; // set by the server (the caller, request meta)
    const dto = typeof metadata.metatype === 'function' && !PLAIN_TYPES.includes(metadata.metatype);
    if (metadata.type === 'body' && dto && metadata.data === undefined) {
      if (value === undefined) return {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new RequestValidationException([{ field: 'body', message: 'must be a JSON object' }]);
      }
    }
    const problems = inspectInput(
      value,
      { strings: true, clean: dto ? this.documentFields(metadata.metatype) : undefined },
      metadata.data ?? '',
    );
    if (problems.length > 0) throw new RequestValidationException(problems);
    return value;
  }

  private documentFields(metatype: object): ReadonlySet<string> {
    let fields = this.cleanFields.get(metatype);
    if (!fields) {
      fields = new Set((Reflect.getMetadata(DOCUMENT_TEXT, metatype) as string[] | undefined) ?? []);
      this.cleanFields.set(metatype, fields);
    }
    return fields;
  }
}
