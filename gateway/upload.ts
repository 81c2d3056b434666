// Reading the one image of a multipart upload: the form must name a boundary (RFC 2046: 1 to 70
// characters), hold exactly one file, in the field "image", within the upload limit, and end with
// its closing boundary. Every way a form can be wrong is a 4xx saying which; before this, a form
// without a boundary, with a long one or cut short was a 500, and a second file was ignored.
import type { FastifyRequest } from 'fastify';
import { badRequest, GatewayError, tooLarge } from './errors.ts';

export const UPLOAD_FIELD = 'image';

/** The most files a form may carry to the multipart parser: the second one is refused. */
export const UPLOAD_FILES_LIMIT = 1;

const MAX_BOUNDARY = 70;

export interface Upload {
  bytes: Buffer;
  filename: string;
}

function checkBoundary(contentType: string | undefined): void {
  const match = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2] ?? '';
  if (boundary.length === 0) throw badRequest('the multipart body has no boundary: send Content-Type "multipart/form-data; boundary=<boundary>"');
  if (boundary.length > MAX_BOUNDARY) throw badRequest(`the multipart boundary has ${boundary.length} characters; at most ${MAX_BOUNDARY} are allowed (RFC 2046)`);
}

/** What a failure of the multipart parser means for the client. */
function fromParser(err: unknown, limitBytes: number): Error {
  if (err instanceof GatewayError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(`the image is larger than the upload limit of ${limitBytes} bytes`);
  if (code === 'FST_FILES_LIMIT') return badRequest(`send exactly one image, in the field "${UPLOAD_FIELD}"; the form has more than one file`);
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return badRequest(`the form has too many parts; send one image in the field "${UPLOAD_FIELD}"`);
  const message = err instanceof Error ? err.message : String(err);
  return badRequest(`the multipart body ends before its closing boundary, or is malformed (${message.slice(0, 100)}); send the whole form`);
}

/** The image of a multipart request, read in full; throws a 4xx GatewayError for every malformed form. */
export async function readUpload(request: FastifyRequest, limitBytes: number): Promise<Upload> {
  checkBoundary(request.headers['content-type']);
  let upload: Upload | undefined;
  let wrongField: string | undefined;
  try {
    // Every part is read, so a limit hit by a later part (a second file) is seen, not ignored.
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== UPLOAD_FIELD) {
        wrongField ??= part.fieldname;
        part.file.resume();
        continue;
      }
      const bytes = await part.toBuffer();
      // toBuffer() may miss a truncation flagged after its last chunk; the stream's flag does not.
      if (part.file.truncated) throw fromParser({ code: 'FST_REQ_FILE_TOO_LARGE' }, limitBytes);
      upload = { bytes, filename: part.filename };
    }
  } catch (err) {
    throw fromParser(err, limitBytes);
  }
  if (upload) return upload;
  if (wrongField !== undefined) throw badRequest(`the image must be sent in the field "${UPLOAD_FIELD}", not "${wrongField}"`);
  throw badRequest(`the multipart body has no file; send the image in the field "${UPLOAD_FIELD}"`);
}
