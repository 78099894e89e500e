// Progressive enhancement only: copy buttons. Without JavaScript the fields are still selectable.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  const field = document.getElementById(button.getAttribute('data-copy'));
  if (!field) return;
  const done = () => {
    const label = button.textContent;
    button.textContent = button.getAttribute('data-done') || label;
    setTimeout(() => (button.textContent = label), 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => {
      field.select();
      document.execCommand('copy');
      done();
    });
  } else {
    field.select();
    document.execCommand('copy');
    done();
  }
});
