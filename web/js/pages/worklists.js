export async function render() { const d = document.createElement('h1'); d.textContent = 'Worklists'; return d; }
