export async function render() { const d = document.createElement('h1'); d.textContent = 'Patient'; return d; }
