// The admin pages, said once. The server answers each path (under /admin) with the page shell
// (src/admin/routes.ts); the front end draws the page and its link in the navigation, in this order
// (src/admin/ui/app.js). Adding a page: one line here, its drawing in pages/, and that drawing named
// in app.js's DRAW — the front end's type check fails until it is. Plain data, no imports: both the
// server build (tsc) and the browser bundle (esbuild) read this file.
export const ADMIN_PAGES = [
  { id: 'overview', path: '/', title: 'Overview' },
  { id: 'deliveries', path: '/deliveries', title: 'Deliveries' },
  { id: 'providers', path: '/providers', title: 'Providers' },
  { id: 'preview', path: '/preview', title: 'Routing & Preview' },
  { id: 'blocks', path: '/blocks', title: 'Blocks' },
  { id: 'audit', path: '/audit', title: 'Audit' },
  { id: 'config', path: '/config', title: 'Configuration' },
] as const;

export type AdminPageId = (typeof ADMIN_PAGES)[number]['id'];
