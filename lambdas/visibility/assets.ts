/**
 * The page's files, bundled into the function as text (esbuild's `with { type: 'text' }`): the page is deployed
 * with the code that serves its data, so the two never disagree. Only the function's entry imports this module;
 * tests read the files from web/ instead.
 */
import appCss from '../../web/app.css' with { type: 'text' };
import appJs from '../../web/app.js' with { type: 'text' };
import indexHtml from '../../web/index.html' with { type: 'text' };
import type { WebAssets } from './api';

export const WEB_ASSETS: WebAssets = { 'index.html': indexHtml, 'app.js': appJs, 'app.css': appCss };
