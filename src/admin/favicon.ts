/** The admin UI's tab icon: the sidebar's green "W" logo, drawn as a path (no font needed). */
export const adminFavicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="8" fill="#07c160"/>
<path d="M7 9.5l3.6 13 5.4-9.6 5.4 9.6 3.6-13" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`;
