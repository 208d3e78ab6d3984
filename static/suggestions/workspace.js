// The review workspace: typing the text of a new claim chooses "A new claim" in the same form,
// so a pre-selected existing claim is not accepted instead (the server refuses both at once).
document.addEventListener("input", (event) => {
  const field = event.target;
  if (!(field instanceof HTMLInputElement) || field.name !== "new_claim_text") return;
  const choice = field.form && field.form.querySelector('input[name="claim"][value=""]');
  if (choice && field.value.trim()) choice.checked = true;
});
