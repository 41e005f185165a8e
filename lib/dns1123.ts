/**
 * Kubernetes' DNS-1123 label (apimachinery validation.IsDNS1123Label): the
 * rule for namespace names and most object names, lower-case alphanumerics
 * and '-', starting and ending with an alphanumeric, at most 63 characters.
 */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX_LENGTH = 63;

export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX_LENGTH && DNS1123_LABEL.test(value);
}
