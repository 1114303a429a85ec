// The page's files imported as text by lambdas/visibility/assets.ts (esbuild's text loader).
declare module '*.html' {
  const text: string;
  export default text;
}
declare module '*.css' {
  const text: string;
  export default text;
}
declare module '*/web/app.js' {
  const text: string;
  export default text;
}
