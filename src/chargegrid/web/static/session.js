// Live progress of an ad-hoc session: poll the status endpoint, update the page,
// go to the receipt when the session has finished. No framework, no build step.
(function () {
  "use strict";
  const root = document.getElementById("session");
  if (!root || root.dataset.state === "failed") { return; }
  const $ = (id) => document.getElementById(id);
  const stopButton = $("stop");
  let timer = null;

  function duration(s) {
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
  }

  function fail(message) {
    const box = $("failure");
    box.textContent = message;
    box.hidden = false;
    stopButton.hidden = true;
    $("waiting").hidden = true;
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.statusUrl, { cache: "no-store" });
      const data = await response.json();
      if (!response.ok) { fail(data.message || "Something went wrong."); return; }
      $("state").textContent = data.state;
      $("energy").textContent = data.energy_kwh;
      $("duration").textContent = duration(data.duration_s);
      $("cost").textContent = data.cost;
      $("waiting").hidden = data.state !== "starting";
      stopButton.disabled = data.state !== "charging";
      if (data.state === "finished") { window.location.assign(root.dataset.receiptUrl); return; }
      if (data.state === "failed") { fail(data.failure); return; }
    } catch (err) {
      // A dropped mobile connection: keep trying, the session goes on without us.
    }
    timer = window.setTimeout(poll, 1000);
  }

  stopButton.addEventListener("click", async function () {
    stopButton.disabled = true;
    stopButton.textContent = "Stopping…";
    const response = await fetch(root.dataset.stopUrl, { method: "POST" });
    if (!response.ok) {
      const data = await response.json();
      stopButton.textContent = "Stop charging";
      stopButton.disabled = false;
      const box = $("failure");
      box.textContent = data.message || "The station did not stop; try again.";
      box.hidden = false;
    }
  });

  poll();
})();
