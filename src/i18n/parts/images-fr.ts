/** French messages of the images of posts (issue 16): a post's image, each partner's copy, media upload. */
export const imagesFr = {
} as const;
