/** English messages of text variation (the autopilot's spintax, publishing/autopilot/variation.ts). */
export const variationEn = {
  'template.error.spintax': 'Alternatives badly written: {reason, label, template.spintax.reason}.',
  'template.spintax.reason.unclosed': 'the brace “{” at character {at} is never closed (to write a brace, put \\ before it: \\{)',
  'template.spintax.reason.unopened': 'the brace “}” at character {at} closes nothing (to write a brace, put \\ before it: \\})',
  'template.spintax.reason.empty': 'an alternative is empty at character {at} (write a word between each “|”)',
  'template.spintax.reason.single': '“{alternative}” at character {at} has only one alternative (separate them with “|”, or write \\{ and \\} for braces)',
  'template.spintax.reason.duplicate': 'the group at character {at} offers “{alternative}” twice',
  'template.spintax.reason.linkInGroup': 'the link “{link}” is inside a group at character {at}: the link never varies, keep it out of the braces',
  'template.spintax.reason.linkTouched': 'a group touches the link “{link}” at character {at}: leave a space between them',
  'template.spintax.reason.linkFormed': 'braces written with \\ spell “{link}”, which would become the link: write {link} alone where the link goes',
  'template.spintax.reason.tooMany': 'too many combinations, {max} at most: remove some alternatives',
  'template.spintax.reason.tooDeep': 'groups nested more than {max} levels deep at character {at}',
} as const;
