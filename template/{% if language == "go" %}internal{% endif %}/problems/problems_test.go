package problems

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestWriteSendsAProblemDocument(t *testing.T) {
	recorder := httptest.NewRecorder()
	Validation(recorder, []FieldError{{Field: "name", Message: "Field required"}})
	if recorder.Code != 422 || recorder.Header().Get("Content-Type") != MediaType {
		t.Fatalf("got %d %q", recorder.Code, recorder.Header().Get("Content-Type"))
	}
	var body map[string]any
	if err := json.Unmarshal(recorder.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body["type"] != "about:blank" || body["title"] != "Unprocessable Content" || body["status"] != float64(422) || body["detail"] == "" {
		t.Fatalf("unexpected problem: %v", body)
	}
	if errs, ok := body["errors"].([]any); !ok || len(errs) != 1 {
		t.Fatalf("errors missing: %v", body)
	}
}

func TestTitlesAndDefaultDetails(t *testing.T) {
	for status, title := range map[int]string{401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 413: "Content Too Large", 500: "Internal Server Error", 503: "Service Unavailable"} {
		body := Body(status, "", nil)
		if body["title"] != title || body["detail"] == "" {
			t.Errorf("%d: %v", status, body)
		}
	}
}

func TestUnauthorizedCarriesTheBearerChallenge(t *testing.T) {
	recorder := httptest.NewRecorder()
	Unauthorized(recorder, "A bearer access token is required.")
	if recorder.Code != 401 || recorder.Header().Get("WWW-Authenticate") != "Bearer" {
		t.Fatalf("got %d %v", recorder.Code, recorder.Header())
	}
}
