// Types of percent.js for the server's TypeScript (the page itself runs the .js as it is).
export function percent(p: number): string;
