package githubtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// token is an installation token the server issued.
type token struct {
	installation int64
	expires      time.Time
}

// authenticate checks r's credentials for a route needing a; on failure
// it answers 401 and returns false. It returns the installation of a
// token (0 for the App) and who asked, for the request log.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, a auth) (int64, string, bool) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	switch a {
	case authApp:
		if !strings.EqualFold(scheme, "Bearer") {
			writeJSON(w, http.StatusUnauthorized, message("A JSON web token could not be decoded"))
			return 0, "", false
		}
		if err := s.verifyJWT(cred); err != nil {
			s.t.Logf("githubtest: %s %s: %v", r.Method, r.URL.Path, err)
			writeJSON(w, http.StatusUnauthorized, message("A JSON web token could not be decoded"))
			return 0, "", false
		}
		return 0, "app", true
	default:
		if !strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "Bearer") {
			writeJSON(w, http.StatusUnauthorized, message("Requires authentication"))
			return 0, "", false
		}
		s.mu.Lock()
		tok, ok := s.tokens[cred]
		s.mu.Unlock()
		if !ok || !time.Now().Before(tok.expires) {
			writeJSON(w, http.StatusUnauthorized, message("Bad credentials"))
			return 0, "", false
		}
		return tok.installation, "installation " + strconv.FormatInt(tok.installation, 10), true
	}
}

// verifyJWT checks an App JWT: RS256 with the App's key, issued by the
// App, not expired, not issued in the future, living at most ten minutes.
func (s *Server) verifyJWT(jwt string) error {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return errors.New("jwt: not three parts")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodePart(parts[0], &header); err != nil {
		return fmt.Errorf("jwt header: %w", err)
	}
	if header.Alg != "RS256" {
		return fmt.Errorf("jwt: algorithm %q", header.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("jwt signature: %w", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("jwt signature: %w", err)
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Iat int64           `json:"iat"`
		Exp int64           `json:"exp"`
	}
	if err := decodePart(parts[1], &claims); err != nil {
		return fmt.Errorf("jwt claims: %w", err)
	}
	if iss := strings.Trim(string(claims.Iss), `"`); iss != strconv.FormatInt(s.appID, 10) {
		return fmt.Errorf("jwt: issuer %s, want %d", claims.Iss, s.appID)
	}
	now := time.Now().Unix()
	switch {
	case claims.Exp <= now:
		return errors.New("jwt: expired")
	case claims.Iat > now+60:
		return errors.New("jwt: issued in the future")
	case claims.Exp-claims.Iat > 600:
		return errors.New("jwt: lives over ten minutes")
	}
	return nil
}

func decodePart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// createToken issues an installation token.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, _ int64) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	in, ok := s.installs[id]
	s.mu.Unlock()
	switch {
	case err != nil || !ok:
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	case in.suspended:
		writeJSON(w, http.StatusForbidden, message("This installation has been suspended"))
		return
	}
	b := make([]byte, 20)
	rand.Read(b)
	tok := "ghs_" + hex.EncodeToString(b)
	s.mu.Lock()
	expires := time.Now().Add(s.tokenTTL)
	s.tokens[tok] = token{installation: id, expires: expires}
	s.tokensIssued++
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"token":                tok,
		"expires_at":           expires.UTC().Format(time.RFC3339Nano),
		"permissions":          map[string]string{"checks": "write", "contents": "write", "pull_requests": "read", "metadata": "read"},
		"repository_selection": "all",
	})
}

// TokensIssued is how many installation tokens the server issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssued
}

// SetTokenTTL sets how long tokens issued from now on live.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// RevokeTokens makes every token issued so far invalid.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}
