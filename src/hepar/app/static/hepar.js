// hepar pages: sign out, and calls of the API that quote the session's CSRF token.
"use strict";
const hepar = {
  csrf: () => document.querySelector('meta[name="csrf-token"]').content,
  async api(method, path, body) {
    const response = await fetch(path, {
      method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": hepar.csrf()},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json();
    return {ok: response.ok, status: response.status, data};
  },
};
document.addEventListener("DOMContentLoaded", () => {
  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      await hepar.api("POST", "/api/logout");
      window.location.href = "/login";
    });
  }
});
