/** The chat page's tab icon: WeChat's green with a white chat bubble (a path, so no font is needed). */
export const chatFavicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#07c160"/>
<path fill="#fff" d="M16 6.5c-5.8 0-10.5 3.9-10.5 8.8 0 2.7 1.5 5.1 3.8 6.7l-.7 3.5 3.7-2c1.2.4 2.4.6 3.7.6 5.8 0 10.5-3.9 10.5-8.8S21.8 6.5 16 6.5z"/>
<circle cx="12" cy="15.3" r="1.5" fill="#07c160"/><circle cx="20" cy="15.3" r="1.5" fill="#07c160"/>
</svg>
`;
