import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';

// Live components are registered per page (imported in the page's <script setup>), so pages that do
// not train anything never load the tensor packages.
export default { extends: DefaultTheme } satisfies Theme;
