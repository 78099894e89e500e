/** English messages of the operator's side of the autopilot (issue 16): pauses, figures per post and text, the autopilot's earnings. */
export const operatorAutopilotEn = {
} as const;
