package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

const secret = "test-secret-0123456789abcdef0123456789abcdef"

func TestPasswordHashing(t *testing.T) {
	long := strings.Repeat("p", 128)
	hash, err := HashPassword(long)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, long) || !strings.HasPrefix(hash, "$2") {
		t.Fatalf("not a bcrypt hash: %q", hash)
	}
	// Other packages' tests lower PasswordCost; the service must hash at bcrypt's default.
	if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost != bcrypt.DefaultCost {
		t.Fatalf("hashed at cost %d (%v), not bcrypt's default %d", cost, err, bcrypt.DefaultCost)
	}
	if !VerifyPassword(hash, long) {
		t.Fatal("the right password was refused")
	}
	if VerifyPassword(hash, long[:127]+"q") {
		t.Fatal("a password differing after 72 bytes was accepted")
	}
	if VerifyPassword("", long) {
		t.Fatal("an unknown user's password was accepted")
	}
}

func TestTokensRoundTrip(t *testing.T) {
	token, err := NewAccessToken("user-1", secret, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	subject, err := ParseAccessToken(token, secret)
	if err != nil || subject != "user-1" {
		t.Fatalf("got %q, %v", subject, err)
	}
}

func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestBadTokensAreRefused(t *testing.T) {
	now := time.Now().Unix()
	good := jwt.MapClaims{"sub": "user-1", "iat": now, "exp": now + 300}
	cases := map[string]struct {
		token string
		want  error
	}{
		"malformed":       {"not-a-jwt", ErrInvalid},
		"expired":         {sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "user-1", "iat": now - 3600, "exp": now - 60}), ErrExpired},
		"wrong signature": {sign(t, jwt.SigningMethodHS256, []byte("another-secret-of-more-than-32-characters"), good), ErrInvalid},
		"alg none":        {sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good), ErrInvalid},
		"HS512":           {sign(t, jwt.SigningMethodHS512, []byte(secret), good), ErrInvalid},
		"no exp":          {sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "user-1", "iat": now}), ErrInvalid},
		"no iat":          {sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "user-1", "exp": now + 300}), ErrInvalid},
		"no sub":          {sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"iat": now, "exp": now + 300}), ErrInvalid},
	}
	for name, c := range cases {
		if _, err := ParseAccessToken(c.token, secret); err != c.want {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}
