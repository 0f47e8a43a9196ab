// Loaded with `node --import` ahead of a command: appends every module the process resolves
// (one URL a line) to the file named by RECORD_IMPORTS_TO, so a test can say what a command loaded.
import fs from 'node:fs'
import { register } from 'node:module'
import { isMainThread } from 'node:worker_threads'

// The same file serves as the hooks module, which Node runs off the main thread.
if (isMainThread) register(import.meta.url, { data: { file: process.env.RECORD_IMPORTS_TO } })

let file

export function initialize(data) {
  file = data.file
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context)
  if (file) fs.appendFileSync(file, resolved.url + '\n')
  return resolved
}
