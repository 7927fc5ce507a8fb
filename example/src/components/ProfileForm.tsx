import { appErrorOf } from "convex-saas-backend";
import { useProfile, useUpdateProfile } from "convex-saas-backend/react";
import { useState, type FormEvent } from "react";

/** Edits the signed-in user's name (the only fields users may write: fullName, avatarUrl). */
export function ProfileForm() {
  const profile = useProfile();
  const updateProfile = useUpdateProfile();
  const [message, setMessage] = useState<string | null>(null);
  if (profile === undefined) return <p>Loading…</p>;
  if (profile === null) return <p>Your profile is being created…</p>;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fullName = String(new FormData(event.currentTarget).get("fullName")).trim();
    try {
      await updateProfile({ fullName: fullName === "" ? null : fullName });
      setMessage("Saved");
    } catch (e) {
      setMessage(appErrorOf(e)?.message ?? "Something went wrong");
    }
  }

  return (
    <form onSubmit={(event) => void save(event)}>
      <p>{profile.email}</p>
      <input name="fullName" aria-label="Full name" defaultValue={profile.fullName ?? ""} />
      <button type="submit">Save</button>
      {message !== null && <p role="status">{message}</p>}
    </form>
  );
}
