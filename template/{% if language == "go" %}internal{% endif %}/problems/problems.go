// Package problems writes RFC 9457 problem details, the body of every 4xx and 5xx response.
package problems

import (
	"encoding/json"
	"net/http"
)

// MediaType is the Content-Type of every problem document.
const MediaType = "application/problem+json"

// RFC 9110 names where Go's http.StatusText still has the RFC 7231 ones.
var phrases = map[int]string{413: "Content Too Large", 422: "Unprocessable Content"}

var defaultDetails = map[int]string{
	400: "The request could not be understood.",
	401: "Authentication is required.",
	403: "You are not allowed to do this.",
	404: "The requested resource was not found.",
	405: "The method is not allowed for this resource.",
	409: "The request conflicts with the current state of the resource.",
	413: "The request body is too large.",
	422: "The request is invalid.",
	500: "An unexpected error occurred.",
	503: "The service is not ready.",
}

// FieldError names one invalid body or query field of a 422.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// One is the error list of a single invalid field.
func One(field, message string) []FieldError {
	return []FieldError{{Field: field, Message: message}}
}

// Title is the reason phrase of status.
func Title(status int) string {
	if phrase, ok := phrases[status]; ok {
		return phrase
	}
	if text := http.StatusText(status); text != "" {
		return text
	}
	return "Error"
}

// Body is the problem document for status; an empty detail takes the status's default sentence.
// Extra members (errors, checks, ...) are added beside the standard ones.
func Body(status int, detail string, extra map[string]any) map[string]any {
	if detail == "" {
		detail = defaultDetails[status]
	}
	if detail == "" {
		detail = Title(status) + "."
	}
	body := map[string]any{}
	for key, value := range extra {
		body[key] = value
	}
	body["type"] = "about:blank"
	body["title"] = Title(status)
	body["status"] = status
	body["detail"] = detail
	return body
}

// Write sends a problem document.
func Write(w http.ResponseWriter, status int, detail string, extra map[string]any) {
	payload, err := json.Marshal(Body(status, detail, extra))
	if err != nil {
		status, payload = http.StatusInternalServerError, []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"An unexpected error occurred."}`)
	}
	w.Header().Set("Content-Type", MediaType)
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(payload)
}

// Unauthorized sends a 401 with the Bearer challenge.
func Unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	Write(w, http.StatusUnauthorized, detail, nil)
}

// Validation sends a 422 listing every invalid field.
func Validation(w http.ResponseWriter, errs []FieldError) {
	Write(w, http.StatusUnprocessableEntity, "The request has invalid or missing fields; see `errors`.",
		map[string]any{"errors": errs})
}
