/**
 * Reads a JSON array from a byte stream one element at a time, so that an unpaged search of
 * hundreds of thousands of rows never has to sit in memory as one string. Each top-level
 * element is cut out by tracking nesting and strings, then handed to JSON.parse.
 */
export async function* parseJsonArray(body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = '';
  let pos = 0; // next character of buffer to scan
  let start = -1; // where the current element began, or -1 between elements
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let opened = false; // the outer '[' has been seen
  let closed = false;
  let count = 0; // elements yielded so far
  let needComma = false; // an element just ended, so ',' or ']' must come next

  const chunks = Symbol.asyncIterator in body ? (body as AsyncIterable<Uint8Array>) : iterate(body as ReadableStream<Uint8Array>);
  for await (const chunk of chunks) {
    buffer += decoder.decode(chunk, { stream: true });
    for (; pos < buffer.length; pos++) {
      const c = buffer[pos]!;
      if (closed) {
        if (!isSpace(c)) throw new SyntaxError('Unexpected text after the end of the JSON array');
        continue;
      }
      if (!opened) {
        if (c === '[') opened = true;
        else if (!isSpace(c) && c !== '\uFEFF') throw new SyntaxError(`Expected a JSON array, found '${c}'`);
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (start === -1) {
        if (isSpace(c)) continue;
        if (c === ',') {
          if (!needComma) throw new SyntaxError('Unexpected comma in the JSON array');
          needComma = false;
          continue;
        }
        if (c === ']') {
          if (!needComma && count > 0) throw new SyntaxError('Trailing comma in the JSON array');
          closed = true;
          continue;
        }
        if (needComma) throw new SyntaxError('Expected a comma between JSON array elements');
        start = pos;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) {
          // the outer array closes right after a scalar element
          count++;
          yield JSON.parse(buffer.slice(start, pos));
          start = -1;
          closed = true;
        } else if (--depth === 0) {
          // an object or array element is complete
          count++;
          needComma = true;
          yield JSON.parse(buffer.slice(start, pos + 1));
          start = -1;
        }
      } else if (c === ',' && depth === 0) {
        // a scalar element is complete, its comma read
        count++;
        yield JSON.parse(buffer.slice(start, pos));
        start = -1;
      }
    }
    // Drop what has been consumed, keeping the element in progress.
    const keep = start === -1 ? pos : start;
    buffer = buffer.slice(keep);
    pos -= keep;
    if (start !== -1) start = 0;
  }
  buffer += decoder.decode();
  if (!opened) return; // an empty body: nothing matched
  if (!closed) throw new SyntaxError('The JSON array ended early');
}

const isSpace = (c: string): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t';

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
