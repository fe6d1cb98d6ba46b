// The listening page: choosing a length plays it in the one <audio> player, with its captions below.
"use strict";

(function () {
  var player = document.getElementById("player");
  var nowPlaying = document.getElementById("now-playing");
  var captionBox = document.getElementById("captions");
  var showCaptions = document.getElementById("show-captions");
  if (!player) {
    return;
  }

  function showCue(track) {
    var cues = track.activeCues;
    var lines = [];
    for (var i = 0; cues && i < cues.length; i++) {
      lines.push(cues[i].text);
    }
    captionBox.textContent = lines.join("\n");
  }

  function loadCaptions(src) {
    var old = player.querySelectorAll("track");
    for (var i = 0; i < old.length; i++) {
      old[i].remove();
    }
    captionBox.textContent = "";
    if (!src) {
      return;
    }
    var track = document.createElement("track");
    track.kind = "captions";
    track.label = "English captions";
    track.srclang = "en";
    track.src = src;
    track.default = true;
    player.appendChild(track);
    // "hidden": cues load and fire events, and we show them under the player ourselves
    track.track.mode = "hidden";
    track.track.addEventListener("cuechange", function () {
      showCue(track.track);
    });
  }

  function choose(link) {
    var current = document.querySelectorAll("a.play[aria-current]");
    for (var i = 0; i < current.length; i++) {
      current[i].removeAttribute("aria-current");
    }
    link.setAttribute("aria-current", "true");
    nowPlaying.textContent = link.getAttribute("data-title");
    player.src = link.getAttribute("data-src");
    loadCaptions(link.getAttribute("data-captions"));
    player.load();
    var started = player.play();
    if (started && started.catch) {
      started.catch(function () {
        // the browser wants another gesture: the controls are there to press play
      });
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.play") : null;
    if (!link) {
      return;
    }
    event.preventDefault();
    choose(link);
  });

  showCaptions.addEventListener("change", function () {
    captionBox.hidden = !showCaptions.checked;
  });
})();
