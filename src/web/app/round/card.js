// The home screen's card for this part of synaps (filled in with the screen).
export function CheckinCard() {
  return null;
}
