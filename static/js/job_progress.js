// The progress page of a background job: every few seconds it asks the server how far the job
// has got and puts the server's own rendering of the status block in place, so the bar, the
// counts, the rate and the time left move without a reload. A finished job stops the polling.
(() => {
  const box = document.getElementById("job-status");
  if (!box) {
    return;
  }
  const url = box.dataset.statusUrl;
  const every = Math.max(1, Number(box.dataset.pollSeconds) || 2) * 1000;
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const status = await response.json();
        box.innerHTML = status.html;
        box.dataset.state = status.state;
        if (status.finished) {
          return;
        }
      }
    } catch (error) {
      // A dropped connection (a tablet changing networks): try again at the next tick.
    }
    window.setTimeout(poll, every);
  };
  if (!["done", "failed", "cancelled"].includes(box.dataset.state)) {
    window.setTimeout(poll, every);
  }
})();
