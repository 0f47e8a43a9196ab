#!/usr/bin/env node
// The TypeScript sources run as they are, through tsx's loader: no build step to forget.
import { register } from 'tsx/esm/api'

register()
const { run } = await import('../src/cli/main.ts')
const code = await run(process.argv.slice(2))
// `serve` keeps running until a signal; every other command ends here with its exit code.
if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code
