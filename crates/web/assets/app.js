// Progressive enhancement only: every page works fully with JavaScript off.
// Loaded as <script type="module" src="/assets/app.js">, so browsers too old
// for ES modules never run it and keep the plain HTML behaviour.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('govuk-frontend-supported')
initAll()
