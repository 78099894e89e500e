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

// The account holder only matters for bank transfers: hide it while PayPal is chosen (in the
// withdrawal form `w-` and the payout method form `pm-`).
for (const prefix of ['w', 'pm']) {
  const method = document.getElementById(`${prefix}-method`);
  const holder = document.getElementById(`${prefix}-holder`);
  if (method && holder) {
    const field = holder.closest('.field');
    const sync = () => {
      if (field) field.hidden = method.value !== 'bank';
    };
    method.addEventListener('change', sync);
    sync();
  }
}

// After a form succeeded, the page opens at its message (a fragment: the browser scrolls there
// without JavaScript); the message also takes the focus, so a screen reader reads it at once.
try {
  const arrived = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
  if (arrived && arrived.hasAttribute('data-arrival')) arrived.focus();
} catch {
  // A malformed fragment: the page stays as it opened.
}
