// What the logged-in role may do. app.js records the role from /admin/api/session on <body>; a page
// asks here before offering an action. The server refuses the same actions (403): this only keeps
// the page from offering what would be refused.

/** True for a read-only login: it may look and run dry Previews, not send for real or lift a block. */
export function readOnly() {
  return document.body.dataset.role === 'read-only';
}
