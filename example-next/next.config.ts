import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The package ships TypeScript sources, not built JavaScript.
  transpilePackages: ["convex-saas-backend"],
  // This app, not the repo around it (which has a lockfile too): the package
  // is installed here as a copy (.npmrc), so nothing outside is needed.
  turbopack: { root: import.meta.dirname },
};

export default nextConfig;
