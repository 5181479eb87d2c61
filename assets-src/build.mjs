// Builds the committed front-end assets in crates/web/assets/ from
// GOV.UK Frontend (npm). Run with `npm run build:assets` after `npm install`.
//
// Outputs:
//   crates/web/assets/app.css                  compiled from assets-src/app.scss
//   crates/web/assets/govuk-frontend.min.js    copied from govuk-frontend
//   crates/web/assets/images/favicon.svg       Learnloop's own icon (no crown)
//   crates/web/assets/manifest.json            web app manifest for that icon
//
// app.js is hand-written and lives directly in crates/web/assets/.

import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'crates', 'web', 'assets')
const govuk = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')

await mkdir(join(out, 'images'), { recursive: true })

const result = await sass.compileAsync(join(root, 'assets-src', 'app.scss'), {
  loadPaths: [join(root, 'node_modules')],
  style: 'compressed',
  sourceMap: false,
  // govuk-frontend's own deprecation notices are not ours to fix.
  quietDeps: true
})
const css = result.css

// A non-GOV.UK service must not load the GDS Transport font files.
if (/GDS Transport|\.woff2?\b|\/fonts\//.test(css)) {
  throw new Error('app.css references GDS Transport font files')
}

await writeFile(join(out, 'app.css'), css + '\n')
await copyFile(join(govuk, 'govuk-frontend.min.js'), join(out, 'govuk-frontend.min.js'))
await copyFile(join(root, 'assets-src', 'favicon.svg'), join(out, 'images', 'favicon.svg'))
await writeFile(
  join(out, 'manifest.json'),
  JSON.stringify(
    {
      name: 'Learnloop',
      icons: [{ src: 'images/favicon.svg', type: 'image/svg+xml', sizes: 'any', purpose: 'any' }]
    },
    null,
    2
  ) + '\n'
)

const version = JSON.parse(
  await readFile(join(root, 'node_modules', 'govuk-frontend', 'package.json'), 'utf8')
).version
console.log(`govuk-frontend ${version}: wrote app.css (${css.length} bytes), govuk-frontend.min.js, images/favicon.svg, manifest.json`)
