// Injected by esbuild wherever bundled code names the global Buffer (the verifier is Node code).
export { Buffer } from 'buffer';
