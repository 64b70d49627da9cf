// The home screen's card for this part of synaps (filled in with the screen).
export function QuietLinksCard() {
  return null;
}
