// The pages' little script: signing through the local signer (NCALayer, or `egov signer`,
// which speaks its protocol) with the unmodified ncalayer-js-client, and live updates.
"use strict";
window.egov = (function () {
  const SIGNER_URL = "wss://127.0.0.1:13579";

  function toBase64(text) {
    const bytes = new TextEncoder().encode(text);
    let binary = "";
    bytes.forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary);
  }

  // Sign `text` (the exact bytes the service gave to sign) as a detached CMS, with a key whose
  // certificate carries every OID of `oids`; resolves to the PEM the signer returns.
  async function sign(text, oids, url) {
    const client = new window.NCALayerClient(url || document.body.dataset.signer || SIGNER_URL, false);
    await client.connect();
    const params = { extKeyUsageOids: oids || [] };
    return client.basicsSignCMS(
      window.NCALayerClient.basicsStorageAll, toBase64(text),
      window.NCALayerClient.basicsCMSParamsDetached, params, document.documentElement.lang || "ru");
  }

  // Follow a server-sent event stream; `onEvent(name, data)` for each event.
  function follow(url, names, onEvent) {
    const source = new EventSource(url, { withCredentials: true });
    names.forEach((name) => source.addEventListener(name, (e) => onEvent(name, JSON.parse(e.data))));
    return source;
  }

  // Sign in: a challenge from the service, signed with the person's certificate through the
  // signer, posted back; the service sets the session cookie and says where to go next.
  async function signIn(next, status, texts, base) {
    const at = base || "";
    status.textContent = "";
    try {
      const given = await (await fetch(at + "/sign-in/challenge", { method: "POST" })).json();
      const signature = await sign(given.text, []);
      const answer = await fetch(at + "/sign-in", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ challenge: given.challenge, signature: signature, next: next }),
      });
      const body = await answer.json();
      if (!answer.ok) { status.textContent = body.message || body.code; return; }
      window.location.assign(body.next);
    } catch (error) {
      status.textContent = error && error.canceledByUser ? texts.cancelled
        : (error && error.message) || texts.unavailable;
    }
  }

  // A control that signs is drawn disabled, marked data-signs: pressed before the page's
  // scripts have run, it would post no signature. Each is enabled once the document is parsed,
  // by which time every script of the page (this one, the page's own handlers) has run.
  function enableSigning() {
    document.querySelectorAll("[data-signs]").forEach((control) => { control.disabled = false; });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enableSigning);
  } else {
    enableSigning();
  }

  return { sign, signIn, follow, toBase64 };
})();
