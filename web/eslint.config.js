// ESLint for the browser app: plain ES modules in the page and in the service worker (docs/web-app.md).
import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  {
    files: ['src/main/resources/static/**/*.js'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.serviceworker },
    },
    rules: {
      // An empty catch says "nothing to do here"; each has a comment saying why.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // `const { vibrate, ...quiet } = options` drops a field on purpose; a caught error may go unread.
      'no-unused-vars': ['error', { ignoreRestSiblings: true, caughtErrors: 'none' }],
    },
  },
  {
    // The AudioWorklet's own scope.
    files: ['src/main/resources/static/app/talk-worklet.js'],
    languageOptions: { globals: { ...globals.audioWorklet } },
  },
];
