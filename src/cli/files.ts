import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { errorMessage, PodpoolError } from '../errors.js';

/** Reads a YAML or JSON file (JSON is YAML); errors name the file. */
export async function readDocument(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PodpoolError('InvalidArgument', `cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
  try {
    return parse(text);
  } catch (error) {
    throw new PodpoolError('InvalidArgument', `${path} is not valid YAML or JSON: ${errorMessage(error)}`, { cause: error });
  }
}
