// In tests (outside the Next bundler) "server-only" resolves here and does nothing.
export {};
